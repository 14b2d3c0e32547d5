// GET /v1/projects/{id}/risk read into a safe shape, and the widths of the factor bars the
// project page draws (each factor's log-odds contribution, as a share of the largest one).
// Pure and unit-tested.
import { riskLevelOf, type RiskLevel } from '../dashboard/data';

export interface RiskFactor {
  feature: string;
  value: number;
  contribution: number;
  text_zh: string;
  text_en: string;
}

export interface ProjectRisk {
  probability_bp: number;
  level: RiskLevel;
  summary_zh: string;
  summary_en: string;
  factors: RiskFactor[];
}

export interface RiskAnswer {
  height: number | null;
  /** `recorded_height`: the height of the node's record_risk_model naming this model (null until then). */
  model: { version: string; sm3: string; recorded_height: number | null };
  risk: ProjectRisk | null;
  not_scored: string;
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function normalizeRisk(input: unknown): RiskAnswer {
  const r = obj(input);
  const model = obj(r.model);
  const raw = r.risk && typeof r.risk === 'object' ? obj(r.risk) : null;
  let risk: ProjectRisk | null = null;
  if (raw) {
    const bp = Math.min(Math.max(num(raw.probability_bp), 0), 10_000);
    risk = {
      probability_bp: bp,
      level: raw.level === 'low' || raw.level === 'medium' || raw.level === 'high' ? raw.level : riskLevelOf(bp),
      summary_zh: str(raw.summary_zh),
      summary_en: str(raw.summary_en),
      factors: (Array.isArray(raw.factors) ? raw.factors : []).map((f) => {
        const x = obj(f);
        return { feature: str(x.feature), value: num(x.value), contribution: num(x.contribution), text_zh: str(x.text_zh), text_en: str(x.text_en) };
      }),
    };
  }
  return {
    height: typeof r.height === 'number' ? r.height : null,
    model: { version: str(model.version), sm3: str(model.sm3), recorded_height: typeof model.recorded_height === 'number' ? model.recorded_height : null },
    risk,
    not_scored: str(r.not_scored),
  };
}

/** For each factor: how far its bar reaches from the middle (0–50 % of the bar), and which way. */
export function factorBars(factors: RiskFactor[]): { reach_pct: number; raises: boolean }[] {
  const largest = Math.max(...factors.map((f) => Math.abs(f.contribution)), 0);
  return factors.map((f) => ({
    reach_pct: largest > 0 ? Math.round((Math.abs(f.contribution) / largest) * 500) / 10 : 0,
    raises: f.contribution > 0,
  }));
}
