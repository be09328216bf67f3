// connect_proxy.mjs — a forward HTTP proxy for tests that records what a client sends through it.
// CONNECT host:port is tunnelled to 127.0.0.1:<--target-port> whatever the host (so a test can give
// the API a name no DNS knows), and the client's bytes in the tunnel are searched for --secret;
// a plain proxied request (absolute-form, e.g. "GET http://…") is logged and answered 502, never
// forwarded. One line per event in --log: "CONNECT host:port", "SECRET IN TUNNEL", "PLAIN GET url".
// Usage: node connect_proxy.mjs --port-file F --log L --target-port P --secret S
import fs from "node:fs";
import net from "node:net";

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const log = (line) => fs.appendFileSync(arg("log"), line + "\n");
const secret = Buffer.from(arg("secret") ?? "", "utf8");
const target = Number(arg("target-port"));

const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    client.removeListener("data", onData);
    const [method, url] = head.subarray(0, end).toString("latin1").split("\r\n")[0].split(" ");
    if (method !== "CONNECT") {
      log(`PLAIN ${method} ${url}${secret.length && head.includes(secret) ? " (with the secret)" : ""}`);
      client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    log(`CONNECT ${url}`);
    const upstream = net.connect(target, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      const rest = head.subarray(end + 4);
      if (rest.length) upstream.write(rest);
      client.on("data", (c) => {
        if (secret.length && c.includes(secret)) log("SECRET IN TUNNEL");
        upstream.write(c);
      });
      upstream.pipe(client);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  };
  client.on("data", onData);
  client.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  fs.writeFileSync(arg("port-file") + ".tmp", String(server.address().port));
  fs.renameSync(arg("port-file") + ".tmp", arg("port-file"));
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0)); // ends with the test that started it
