// A small Node.js client of the omnistake.v1 API (@grpc/grpc-js + @grpc/proto-loader),
// loading the public .proto files as any non-Python user would.
//   node node_client.js <target> <proto_root>   with a JSON request on stdin:
//   {"tokens": {"admin": "..."}, "steps": [{"method": "omnistake.v1.X/Y", "who": "admin", "body": {...}}]}
// Prints one JSON array: per step {"ok": response} or {"error": {"code": n, "details": "..."}}.
"use strict";
const path = require("path");
const fs = require("fs");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const [target, protoRoot] = process.argv.slice(2);
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const dir = path.join(protoRoot, "omnistake", "v1");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".proto")).map((f) => path.join("omnistake", "v1", f));
const definition = protoLoader.loadSync(files, {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoRoot],
});
const pkg = grpc.loadPackageDefinition(definition).omnistake.v1;
const clients = {};

function client(service) {
  if (!clients[service]) clients[service] = new pkg[service](target, grpc.credentials.createInsecure());
  return clients[service];
}

function call(step) {
  const [full, method] = step.method.split("/");
  const service = full.split(".").pop();
  const metadata = new grpc.Metadata();
  if (step.who) metadata.add("authorization", "Bearer " + input.tokens[step.who]);
  const stub = client(service);
  const rpc = method.charAt(0).toLowerCase() + method.slice(1);
  return new Promise((resolve) => {
    stub[rpc](step.body, metadata, { deadline: Date.now() + 10000 }, (err, response) => {
      if (err) resolve({ error: { code: err.code, details: err.details } });
      else resolve({ ok: response });
    });
  });
}

(async () => {
  const results = [];
  for (const step of input.steps) results.push(await call(step));
  for (const c of Object.values(clients)) c.close();
  process.stdout.write(JSON.stringify(results));
})();
