// Runs the graphql-http package's server audits (the GraphQL-over-HTTP conformance
// checks) against a running server and fails when any MUST or SHOULD audit fails.
// Usage: node scripts/graphql-http-audit.mjs http://127.0.0.1:8080/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
const results = await Promise.all(
  serverAudits({ url, fetchFn: fetch }).map(async (audit) => ({
    name: audit.name,
    id: audit.id,
    result: await audit.fn(),
  })),
);
let failures = 0;
for (const { id, name, result } of results) {
  const level = name.split(' ')[0];
  if (result.status === 'ok') continue;
  if (result.status === 'warn' && level === 'MAY') continue;
  if (level === 'MAY') continue;
  failures += 1;
  console.log(`${result.status.toUpperCase()} ${id} ${name}: ${result.reason}`);
}
const counts = results.reduce((acc, { name, result }) => {
  const key = `${name.split(' ')[0]} ${result.status}`;
  acc[key] = (acc[key] ?? 0) + 1;
  return acc;
}, {});
console.log(JSON.stringify(counts));
process.exit(failures === 0 ? 0 : 1);
