// The official TypeScript SDK's MCP client against the gateway: negotiate the era, list the tools,
// call a read, and make a payment the driver confirms (an elicitation answered "accept").
// Usage: node probe.mjs <mcp url> <bearer token> <legacy|auto>; prints one JSON line of what it saw.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, token, mode] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client(
  { name: 'cockpit-e2e-ts', version: '1.0.0' },
  { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode } },
);
const questions = [];
client.setRequestHandler('elicitation/create', async (request) => {
  questions.push(request.params.message);
  return { action: 'accept', content: {} };
});
await client.connect(transport);
const listed = await client.listTools();
const found = await client.callTool({
  name: 'charging_find_stations',
  arguments: { location: { lat: 31.2304, lon: 121.4737 }, limit: 1 },
});
const pay = { amount: { amount: 4550, currency: 'CNY' }, merchant: 'shanghai_star_charging', purpose: 'charging' };
let paid = null;
if (client.getNegotiatedProtocolVersion() === '2026-07-28') {
  paid = await client.callTool({ name: 'payments_create_payment', arguments: pay });
}
console.log(JSON.stringify({
  version: client.getNegotiatedProtocolVersion() ?? null,
  tools: listed.tools.map((t) => t.name),
  station: found.structuredContent?.stations?.[0]?.id ?? null,
  paid: paid?.structuredContent ?? null,
  paidError: paid?.isError ?? null,
  questions,
}));
await client.close();
