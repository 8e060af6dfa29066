import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseYaml } from "../src/manifests.ts";
import { readRepoFile, repoRoot } from "../src/repo.ts";

// The brokers' shared settings live in one file: kafka.sh writes it into every node's server.properties, and
// docker-compose.yml mounts it into every broker. These fail as soon as the two run the brokers differently.
const SHARED = "infra/kafka/broker.properties";
const KAFKA_SH = "infra/kafka/kafka.sh";
/** Where the apache/kafka image reads a server.properties to start from; it adds the KAFKA_* variables to it. */
const MOUNT = "./kafka/broker.properties:/mnt/shared/config/server.properties:ro";
/** What each node sets for itself: who it is, where it listens, where it keeps its data. */
const OWN_TO_EACH_NODE = ["node.id", "controller.quorum.voters", "listeners", "advertised.listeners", "log.dirs"];
/** What kafka.sh lowers to 1 on a node alone, which cannot hold more than one replica. */
const REPLICATION = /(replication\.factor|min\.insync\.replicas|min\.isr)$/;

type Properties = Record<string, string>;

const shared = parseProperties(readRepoFile(SHARED));
const [compose] = parseYaml("infra/docker-compose.yml") as any[];
const brokers = Object.entries(compose.services as Record<string, any>).filter(([name]) => name.startsWith("kafka-"));

describe(`the brokers' shared settings (${SHARED})`, () => {
  it("run compose's brokers as they run kafka.sh's 3-node cluster: only each node's own id and addresses differ", () => {
    expect(brokers.map(([name]) => name)).toEqual(["kafka-1", "kafka-2", "kafka-3"]);
    for (const [index, [name, service]] of brokers.entries()) {
      // As the image builds it: the mounted file, then the variables, which win.
      const mounted: boolean = (service.volumes ?? []).includes(MOUNT);
      const composeBroker = { ...(mounted ? shared : {}), ...fromImageVariables(service.environment) };
      const clusterNode = kafkaShConfig(String(index + 1));
      expect(without(composeBroker, OWN_TO_EACH_NODE), name).toEqual(without(clusterNode, OWN_TO_EACH_NODE));
      expect(composeBroker["node.id"], name).toBe(clusterNode["node.id"]);
      expect(mounted, `${name} mounts ${SHARED}`).toBe(true);
    }
  });

  it("are written there only: neither compose's variables nor kafka.sh repeat one", () => {
    for (const [name, service] of brokers) {
      expect(
        Object.keys(fromImageVariables(service.environment)).filter((key) => key in shared),
        name,
      ).toEqual([]);
    }
    const script = readRepoFile(KAFKA_SH);
    expect(Object.keys(shared).filter((key) => script.includes(`${key}=`))).toEqual([]);
  });

  it("reach kafka.sh's single-node deployments with one replica of everything", () => {
    const expected = Object.fromEntries(Object.entries(shared).map(([key, value]) => [key, REPLICATION.test(key) ? "1" : value]));
    expect(Object.keys(expected).filter((key) => REPLICATION.test(key))).toContain("min.insync.replicas");
    for (const node of ["single", "test", "sasl"]) {
      expect(kafkaShConfig(node), node).toMatchObject(expected);
    }
  });
});

function parseProperties(text: string): Properties {
  const lines = text.split("\n").filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()]));
}

/** What kafka.sh writes for a node (`kafka.sh config`), nothing started. */
function kafkaShConfig(node: string): Properties {
  const args = node === "single" ? [] : [node];
  return parseProperties(execFileSync("bash", [`${repoRoot}${KAFKA_SH}`, "config", ...args], { encoding: "utf8" }));
}

/** The image's names for settings: KAFKA_ABC_DEF is abc.def, a double underscore an underscore, a triple one a dash. */
function fromImageVariables(environment: Record<string, unknown>): Properties {
  return Object.fromEntries(
    Object.entries(environment)
      .filter(([name]) => name.startsWith("KAFKA_"))
      .map(([name, value]) => [name.slice("KAFKA_".length).toLowerCase().replaceAll("_", ".").replaceAll("...", "-").replaceAll("..", "_"), String(value)]),
  );
}

function without(properties: Properties, keys: string[]): Properties {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !keys.includes(key)));
}
