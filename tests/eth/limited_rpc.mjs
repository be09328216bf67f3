// limited_rpc.mjs — a JSON-RPC proxy in front of the test chain that behaves like a public RPC node:
// eth_getLogs over more than --max-range blocks (or from "earliest"/0 to "latest" on a longer chain)
// is refused with the wording such nodes use; everything else is forwarded unchanged. It counts the
// refusals and the log searches it let through (GET /stats) so tests can tell the search was bounded.
// With --logs-delay-ms D every eth_getLogs it lets through is answered D ms late (a slow node: a bounded
// search then runs out of time).
// CLI: node tests/eth/limited_rpc.mjs --upstream URL --max-range N --port-file PATH [--logs-delay-ms D]
//      [--exit-with-parent]
import { createServer } from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';

function usage(msg) {
  console.error(`limited_rpc.mjs: ${msg}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let upstream = null;
let maxRange = 0;
let portFile = null;
let exitWithParent = false;
let logsDelayMs = 0;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--upstream') upstream = args[++i];
  else if (args[i] === '--max-range') maxRange = Number(args[++i]);
  else if (args[i] === '--port-file') portFile = args[++i];
  else if (args[i] === '--exit-with-parent') exitWithParent = true;
  else if (args[i] === '--logs-delay-ms') logsDelayMs = Number(args[++i]);
  else usage(`unknown argument ${args[i]}`);
}
if (!upstream || !portFile || !(maxRange > 0)) usage('--upstream, --max-range and --port-file are required');

const stats = { refused: 0, searched: 0, windows: [] };

async function forward(body) {
  const res = await fetch(upstream, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  return res.text();
}

let head = 0n;
async function blockNumber() {
  const r = JSON.parse(await forward(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'eth_blockNumber', params: [] })));
  head = BigInt(r.result);
  return head;
}

const block = async (tag) => {
  if (tag === 'latest' || tag === 'pending' || tag === undefined) return blockNumber();
  if (tag === 'earliest') return 0n;
  return BigInt(tag);
};

async function handle(text) {
  let req;
  try {
    req = JSON.parse(text);
  } catch {
    return forward(text);
  }
  if (req.method !== 'eth_getLogs') return forward(text);
  const f = (req.params && req.params[0]) || {};
  const from = await block(f.fromBlock ?? 'earliest');
  const to = await block(f.toBlock ?? 'latest');
  if (to - from + 1n > BigInt(maxRange)) {
    stats.refused++;
    return JSON.stringify({
      jsonrpc: '2.0', id: req.id,
      error: { code: -32600, message: `eth_getLogs is limited to a ${maxRange} block range` },
    });
  }
  stats.searched++;
  stats.windows.push([Number(from), Number(to)]);
  if (logsDelayMs > 0) await new Promise((r) => setTimeout(r, logsDelayMs));
  return forward(text);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', async () => {
    try {
      const out = await handle(body);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(out);
    } catch (e) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(String(e));
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const tmp = `${portFile}.tmp`;
  writeFileSync(tmp, `${server.address().port}\n`);
  renameSync(tmp, portFile);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (exitWithParent) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}
