// compose_hash.mjs FILE [KEY…] — the compose hashes of the app-compose JSON in FILE, computed by
// Phala's own npm code for the acceptance tests of provider::phala::compose_hash: with KEYs given,
// allowed_envs is first replaced by them, sorted (JavaScript's default sort). Prints two lines:
// @phala/dstack-sdk getComposeHash (compact form, normalize=false), then SHA-256 of @phala/cloud
// dumpAppCompose (the indented app-compose.json form).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { getComposeHash } from '@phala/dstack-sdk/get-compose-hash';
import { dumpAppCompose } from '@phala/cloud';

const [file, ...keys] = process.argv.slice(2);
let compose = JSON.parse(fs.readFileSync(file, 'utf8'));
if (keys.length) compose = { ...compose, allowed_envs: [...keys].sort() };
console.log(getComposeHash(compose, false));
console.log(createHash('sha256').update(dumpAppCompose(compose), 'utf8').digest('hex'));
