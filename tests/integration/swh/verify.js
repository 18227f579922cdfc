// Verifies the webhooks tend sent with the Standard Webhooks reference
// library (the `standardwebhooks` npm package), not with tend's own code.
//
//   node verify.js RECEIVER_LOG EXPECTED_COUNT
//
// RECEIVER_LOG is tests/integration/deliver_receiver's log (tab-separated:
// connection, webhook-id, status, check, webhook-timestamp,
// webhook-signature, path, body). SWH_SECRETS holds the secrets tend signed
// with (space-separated, whsec_...), SWH_OTHER_SECRET one it did not use.
// Every request must verify under each of the secrets, its payload must
// carry its webhook-id, and it must NOT verify with the other secret, nor
// with its body, id or timestamp tampered with. Prints a summary; exits 1
// on the first failure.
"use strict";
const fs = require("fs");
const { Webhook, WebhookVerificationError } = require("standardwebhooks");

const [logPath, expected] = process.argv.slice(2);
const secrets = (process.env.SWH_SECRETS || "").split(" ").filter(Boolean);
const other = process.env.SWH_OTHER_SECRET;
if (!logPath || !expected || secrets.length === 0 || !other) {
  console.error("usage: SWH_SECRETS=... SWH_OTHER_SECRET=... node verify.js RECEIVER_LOG EXPECTED_COUNT");
  process.exit(2);
}
function fail(msg) {
  console.error("FAIL: " + msg);
  process.exit(1);
}
// verify must throw a verification error
function refuses(wh, body, headers, what) {
  try {
    wh.verify(body, headers);
  } catch (e) {
    if (e instanceof WebhookVerificationError) return;
    throw e;
  }
  fail(what + " verified");
}

const lines = fs.readFileSync(logPath, "utf8").split("\n").filter(Boolean);
if (lines.length !== Number(expected)) fail(`${lines.length} requests logged, expected ${expected}`);
const hooks = secrets.map((s) => new Webhook(s));
const stranger = new Webhook(other);
let unicode = 0;
for (const line of lines) {
  const [, id, , , ts, sig, , body] = line.split("\t");
  const headers = { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig };
  hooks.forEach((wh, i) => {
    let payload;
    try {
      payload = wh.verify(body, headers);
    } catch (e) {
      fail(`${id} does not verify with secret #${i + 1}: ${e.message}`);
    }
    if (payload.id !== id) fail(`${id}: the payload's id is ${payload.id}`);
  });
  const wh = hooks[0];
  refuses(stranger, body, headers, `${id} with a secret tend did not use`);
  const i = body.indexOf("\"data\":") + 8;
  const tampered = body.slice(0, i) + (body[i] === "x" ? "y" : "x") + body.slice(i + 1);
  refuses(wh, tampered, headers, `${id} with its body tampered with`);
  refuses(wh, body + " ", headers, `${id} with a byte appended to its body`);
  refuses(wh, body, { ...headers, "webhook-id": id.replace(/.$/, (c) => (c === "0" ? "1" : "0")) },
          `${id} under another webhook-id`);
  refuses(wh, body, { ...headers, "webhook-timestamp": String(Number(ts) - 1) }, `${id} with another timestamp`);
  if (/[^\x00-\x7f]/.test(body)) unicode++;
}
if (unicode === 0) fail("no request carried non-ASCII text");
console.log(`standardwebhooks: ${lines.length} requests verify with ${secrets.length} secret(s); ` +
            `tampered bodies, ids, timestamps and a foreign secret are refused (${unicode} with non-ASCII text)`);
