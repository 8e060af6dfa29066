import { DEAD_LETTER_TOPIC, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { type Admin, ConfigResourceTypes } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../src/client.ts";
import { ensureTopics } from "../src/topics.ts";
import { CLUSTER_BROKERS, kafkaSh, TEST_BROKER } from "./support/kafka-sh.ts";

const TOPICS = [ISSUE_REQUEST_TOPIC, DEAD_LETTER_TOPIC];

describe.each([
  { name: "the tests' single broker", brokers: TEST_BROKER, start: ["start", "--test"], replicas: 1, minInsync: "1" },
  { name: "the 3-node cluster", brokers: CLUSTER_BROKERS, start: ["start", "--nodes", "3"], replicas: 3, minInsync: "2" },
])("ensureTopics on $name", ({ brokers, start, replicas, minInsync }) => {
  const admin = createKafka({ brokers, clientId: "dibs-kafka-test" }).admin();

  beforeAll(async () => {
    await kafkaSh(...start);
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it(`creates both topics with 6 led partitions of ${replicas} replicas, idempotently`, async () => {
    await ensureTopics(admin);
    await ensureTopics(admin);

    const { topics } = await admin.fetchTopicMetadata({ topics: TOPICS });
    expect(topics.map((t) => t.name).sort()).toEqual([...TOPICS].sort());
    for (const { partitions } of topics) {
      expect(partitions).toHaveLength(6);
      for (const p of partitions) {
        expect(p.leader).toBeGreaterThanOrEqual(0);
        expect(p.replicas).toHaveLength(replicas);
      }
    }
    expect(await minInsyncReplicas(admin)).toEqual([minInsync, minInsync]);
  });
});

async function minInsyncReplicas(admin: Admin): Promise<(string | undefined)[]> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: TOPICS.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ["min.insync.replicas"] })),
  });
  return resources.map((r) => r.configEntries.find((e) => e.configName === "min.insync.replicas")?.configValue);
}
