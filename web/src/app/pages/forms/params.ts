// Route parameters for my pages: the `params` prop (route + query) when the router passes it,
// else read from location.hash, so the pages work whichever way the app shell mounts them.
import { parseHash } from '../../router';

/** Path and query parameters of the current route, the prop's values winning. */
export function routeParams(params?: Record<string, string>, extra?: Record<string, string | undefined>): Record<string, string> {
  const fromHash = typeof location === 'undefined' ? {} : (() => {
    const r = parseHash(location.hash);
    return { ...r.query, ...r.params };
  })();
  const out: Record<string, string> = { ...fromHash, ...(params ?? {}) };
  for (const [k, v] of Object.entries(extra ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
