// What the node itself answers at /console/: the app's page, its script, and the redirect of
// the bare path (node/src/gateway/console.rs).

/** What the node answers for its console; a list of problems (empty when it serves it right). */
export async function checkNodeConsole(gateway) {
  const problems = [];
  const get = async (path) => {
    const res = await fetch(`${gateway}${path}`, { redirect: 'manual' });
    const body = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', location: res.headers.get('location'), body };
  };
  const describe = (path, r) => `GET ${path} → ${r.status}${r.location ? ` location: ${r.location}` : ''} ${r.type} ${r.body.slice(0, 160).replace(/\s+/g, ' ')}`;
  const page = await get('/console/');
  if (page.status !== 200 || !page.body.includes('main.js')) problems.push(`${describe('/console/', page)} (expected 200 with the app's index.html)`);
  const script = await get('/console/main.js');
  if (script.status !== 200 || !/javascript/.test(script.type)) problems.push(`${describe('/console/main.js', script)} (expected 200 text/javascript)`);
  const bare = await get('/console');
  if (bare.status !== 301 || bare.location !== '/console/') problems.push(`${describe('/console', bare)} (expected 301 to /console/)`);
  return problems;
}
