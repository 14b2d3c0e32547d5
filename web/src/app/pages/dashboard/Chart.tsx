// One ECharts chart in a preact component. Only the chart types and components the dashboard
// uses are registered (bar, pie, line; grid, tooltip, legend, title) with the SVG renderer, so
// the bundle carries a fraction of ECharts. The chart resizes with its box (phones, rotation)
// and is hidden from screen readers: each card has a table with the same numbers.
import { useEffect, useRef } from 'preact/hooks';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartOption } from './charts';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, SVGRenderer]);

/** Height in px for `rows` category rows of a horizontal bar chart (at least `min`). */
export function barsHeight(rows: number, min = 180): number {
  return Math.max(min, 48 + rows * 34);
}

export function Chart({ option, height = 260 }: { option: ChartOption; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const instance = echarts.init(el, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => instance.resize()) : null;
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  useEffect(() => {
    chart.current?.resize();
  }, [height]);

  return <div ref={box} class="dashboard-chart" style={{ height: `${height}px` }} aria-hidden="true" />;
}
