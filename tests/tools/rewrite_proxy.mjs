// rewrite_proxy.mjs — a compromised API for tests: an HTTP reverse proxy in front of the simulator
// that answers every request about one CVM (--victim) with the data of another (--as), as the issue
// 17 audit did. A path /…/cvms/{id}/… naming the victim in any spelling the API accepts (id, name,
// app_<hex>, 0x<hex>, <hex>, vm_uuid with or without dashes) is sent upstream naming the other CVM
// instead — reads and writes alike, so a fooled client commits on the other CVM — and in the JSON
// answer the other CVM's id-like fields (id, name, cvm_id, vm_uuid, instance_id) are rewritten back
// to the victim's, so only the app and KMS identity differ. Every other request passes unchanged.
// One line per rewritten request in --log: "REWRITE METHOD path -> path STATUS fields=N".
// Usage: node rewrite_proxy.mjs --upstream http://127.0.0.1:P/api/v1 --victim cvm_a --as cvm_b
//          --port-file F --log L   (the API key for learning the spellings: PHALA_CLOUD_API_KEY)
import fs from "node:fs";
import http from "node:http";

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const upstream = new URL(arg("upstream"));
const log = (line) => fs.appendFileSync(arg("log"), line + "\n");
const ID_FIELDS = new Set(["id", "name", "cvm_id", "vm_uuid", "instance_id"]);

// one upstream request; resolves {status, headers, body (Buffer)}
function send(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: upstream.hostname, port: upstream.port, method, path, headers },
      (res) => {
        const parts = [];
        res.on("data", (c) => parts.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

// A CVM's spellings from GET /cvms/{id}: [form, value] pairs, the forms shared by both CVMs so a
// spelling of one maps to the same form of the other.
async function spellings(id) {
  const headers = { "X-API-Key": process.env.PHALA_CLOUD_API_KEY ?? "" };
  const base = upstream.pathname.replace(/\/$/, "");
  const r = await send("GET", `${base}/cvms/${encodeURIComponent(id)}`, headers);
  if (r.status !== 200) throw new Error(`GET /cvms/${id} answered ${r.status}`);
  const cvm = JSON.parse(r.body.toString("utf8"));
  const app = String(cvm.app_id).replace(/^0x/, "").toLowerCase();
  const s = [
    ["id", cvm.id],
    ["name", cvm.name],
    ["app_", `app_${app}`],
    ["0x", `0x${app}`],
    ["hex", app],
  ];
  if (cvm.vm_uuid) s.push(["uuid", cvm.vm_uuid], ["bare-uuid", cvm.vm_uuid.replace(/-/g, "")]);
  if (cvm.instance_id) s.push(["instance", cvm.instance_id]);
  return s;
}
const victim = await spellings(arg("victim"));
const other = new Map(await spellings(arg("as")));
const otherBack = new Map([...other].map(([form, v]) => [v.toLowerCase(), new Map(victim).get(form)]));
const same = (a, b) => a.toLowerCase() === b.toLowerCase(); // hex ids and UUIDs: any case

// The path naming the other CVM where it named the victim (the segment after "cvms"), or null.
function rewritePath(url) {
  const q = url.indexOf("?");
  const segs = (q < 0 ? url : url.slice(0, q)).split("/");
  const i = segs.indexOf("cvms");
  if (i < 0 || i + 1 >= segs.length) return null;
  const seg = decodeURIComponent(segs[i + 1]);
  const hit = victim.find(([, v]) => same(v, seg));
  if (!hit) return null;
  segs[i + 1] = encodeURIComponent(other.get(hit[0]));
  return segs.join("/") + (q < 0 ? "" : url.slice(q));
}

// The other CVM's id-like string fields, anywhere in the answer, back to the victim's; counts them.
function rewriteIds(v, n) {
  if (Array.isArray(v)) return v.map((x) => rewriteIds(x, n));
  if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      const id = typeof v[k] === "string" && ID_FIELDS.has(k);
      const mapped = id ? otherBack.get(v[k].toLowerCase()) : undefined;
      if (mapped !== undefined && mapped !== v[k]) {
        v[k] = mapped;
        n.count++;
      } else v[k] = rewriteIds(v[k], n);
    }
  }
  return v;
}

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (c) => parts.push(c));
  req.on("end", async () => {
    const path = rewritePath(req.url);
    const headers = { ...req.headers, host: upstream.host };
    delete headers.connection;
    try {
      const r = await send(req.method, path ?? req.url, headers, Buffer.concat(parts));
      let body = r.body;
      const n = { count: 0 };
      if (path && /json/.test(r.headers["content-type"] ?? "") && body.length) {
        try {
          body = Buffer.from(JSON.stringify(rewriteIds(JSON.parse(body.toString("utf8")), n)));
        } catch {
          /* not JSON after all: the answer as it came */
        }
      }
      if (path) log(`REWRITE ${req.method} ${req.url} -> ${path} ${r.status} fields=${n.count}`);
      const out = { ...r.headers, "content-length": String(body.length) };
      delete out["transfer-encoding"];
      delete out.connection;
      res.writeHead(r.status, out);
      res.end(body);
    } catch (e) {
      log(`ERROR ${req.method} ${req.url}: ${e.message}`);
      res.writeHead(502, { "content-length": "0" });
      res.end();
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  fs.writeFileSync(arg("port-file") + ".tmp", String(server.address().port));
  fs.renameSync(arg("port-file") + ".tmp", arg("port-file"));
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0)); // ends with the test that started it
