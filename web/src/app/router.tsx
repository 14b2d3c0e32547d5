// Hash routing: `#/inbox`, `#/projects`, `#/projects/:id`, `#/rectifications`, `#/op/:kind`,
// `#/report`, `#/dashboard`, `#/gantt`, `#/minutes`, `#/audit`, `#/signin`. Query strings after the path
// (`#/projects?stage=in_progress`) are parsed into `route.query`.
import { useEffect, useState } from 'preact/hooks';

export type RouteName =
  | 'signin'
  | 'inbox'
  | 'projects'
  | 'project'
  | 'rectifications'
  | 'op'
  | 'report'
  | 'dashboard'
  | 'gantt'
  | 'minutes'
  | 'audit'
  | 'notfound';

export interface Route {
  name: RouteName;
  /** Path parameters: `id` for `project`, `kind` for `op`. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** The hash path as read, e.g. `/projects/SC-2026-009`. */
  path: string;
}

const TABLE: [RegExp, RouteName, string[]][] = [
  [/^\/signin$/, 'signin', []],
  [/^\/inbox$/, 'inbox', []],
  [/^\/projects$/, 'projects', []],
  [/^\/projects\/([^/]+)$/, 'project', ['id']],
  [/^\/rectifications$/, 'rectifications', []],
  [/^\/op$/, 'op', []],
  [/^\/op\/([^/]+)$/, 'op', ['kind']],
  [/^\/report$/, 'report', []],
  [/^\/dashboard$/, 'dashboard', []],
  [/^\/gantt$/, 'gantt', []],
  [/^\/minutes$/, 'minutes', []],
  [/^\/audit$/, 'audit', []],
];

/** Parse a `location.hash` into a route (empty hash → inbox). */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/inbox';
  const [pathPart, queryPart = ''] = raw.split('?', 2);
  const path = pathPart === '/' || pathPart === '' ? '/inbox' : pathPart;
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(queryPart)) query[k] = v;
  for (const [re, name, keys] of TABLE) {
    const m = re.exec(path);
    if (m) {
      const params: Record<string, string> = {};
      keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]);
      });
      return { name, params, query, path };
    }
  }
  return { name: 'notfound', params: {}, query, path };
}

/** A hash link: `href('/projects', {stage: 'closed'})` → `#/projects?stage=closed`. */
export function href(path: string, query?: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

/** Navigate to a hash path. */
export function navigate(path: string, query?: Record<string, string | number | undefined | null>): void {
  location.hash = href(path, query);
}

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
