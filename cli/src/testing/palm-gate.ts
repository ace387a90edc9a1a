/**
 * A palm scanner at an entry gate, for integration tests: publishes `gate/entry`
 * with a palm template over the real broker and waits (bounded) for the edge's
 * `gate/decision` with the same txId.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { EnvelopeSequencer, decodeMessage, publishTyped, topicFor, type GateDecision } from '@tebura/contract';
import { PALM_TEMPLATE_FORMAT } from '@tebura/sim';
import type { StoreLayout } from '@tebura/contract';

export const DECISION_WAIT_MS = 10_000;
const POLL_MS = 20;

export interface PalmGate {
  scan(template: number[], txId: string, guests?: number): Promise<GateDecision>;
  close(): Promise<void>;
}

export async function connectPalmGate(mqttUrl: string, store: StoreLayout, name: string): Promise<PalmGate> {
  const gateId = store.gates.find((g) => g.kind === 'entry' && g.methods.includes('palm'))?.id;
  if (gateId === undefined) throw new Error(`store ${store.id} has no palm entry gate`);
  const env = new EnvelopeSequencer(gateId, `${name}-test`);
  const decisions = new Map<string, GateDecision>();
  const client: MqttClient = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: `${name}-gate-${Date.now()}` });
  client.on('message', (topic, payload) => {
    const d = decodeMessage(topic, payload);
    if (d.ok && d.channel === 'gate/decision') decisions.set(d.msg.txId, d.msg);
  });
  await client.subscribeAsync(topicFor(store.id, 'gate/decision', gateId), { qos: 1 });
  return {
    async scan(template, txId, guests = 0) {
      publishTyped(client, topicFor(store.id, 'gate/entry', gateId), {
        ...env.next(Date.now()), txId, guests,
        credential: { kind: 'palm', format: PALM_TEMPLATE_FORMAT, template, quality: 0.9 },
      });
      const end = Date.now() + DECISION_WAIT_MS;
      while (!decisions.has(txId) && Date.now() < end) await new Promise((r) => setTimeout(r, POLL_MS));
      const d = decisions.get(txId);
      if (d === undefined) throw new Error(`no decision for ${txId} within ${DECISION_WAIT_MS} ms`);
      return d;
    },
    close: () => client.endAsync(),
  };
}
