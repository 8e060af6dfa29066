import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { configSchema as apiConfigSchema, parseConfig as parseApiConfig } from "@dibs/api/config";
import { ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import { configSchema as issuerConfigSchema } from "@dibs/issuer/config";
import { PARTITIONS } from "@dibs/kafka";
import { describe, expect, it } from "vitest";
import { readDockerfile } from "../src/dockerfile.ts";
import { kustomizeResources, type Manifest, parseYaml } from "../src/manifests.ts";
import { readRepoFile, repoRoot } from "../src/repo.ts";

const K8S = "infra/k8s";
const SETUP_COMMAND = ["node", "dist/setup.js"];
/** Read by kafkajs itself, not by the apps' configuration. */
const LIBRARY_VARIABLES = new Set(["KAFKAJS_NO_PARTITIONER_WARNING"]);
const API_VARIABLES = new Set(Object.keys(apiConfigSchema.shape));
const ISSUER_VARIABLES = new Set(Object.keys(issuerConfigSchema.shape));
const api = readDockerfile("infra/docker/api.Dockerfile");
/** What an operator puts where the repository has placeholders: the apps refuse the placeholders themselves. */
const OPERATOR_SECRETS = {
  JWT_SECRET: randomBytes(24).toString("base64url"),
  REQUEST_ID_SECRET: randomBytes(24).toString("base64url"),
  POSTGRES_PASSWORD: randomBytes(8).toString("hex"),
  LOTTERY_SECRET_KEY: randomBytes(32).toString("hex"),
};
const issuer = readDockerfile("infra/docker/issuer.Dockerfile");

/** What an app's build script bundles: dist/<name>.js of each src/<name>.ts it names. */
function bundles(app: string): string[] {
  const { scripts } = JSON.parse(readRepoFile(`apps/${app}/package.json`)) as { scripts: { build: string } };
  return scripts.build
    .split(/\s+/)
    .filter((word) => word.startsWith("src/"))
    .map((entry) => entry.replace(/^src\/(.*)\.ts$/, "dist/$1.js"));
}

function parseIssuerConfig(env: Record<string, string>) {
  const parsed = issuerConfigSchema.safeParse(env);
  return parsed.success
    ? { ok: true as const, config: parsed.data }
    : { ok: false as const, errors: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
}

describe("the Dockerfiles", () => {
  it.each([
    ["api", api, "dist/main.js"],
    ["issuer", issuer, "dist/main.js"],
  ])("build %s in stages with pnpm deploy --prod, run it as a non-root user, with a health check", (app, image, entry) => {
    expect(image.stages).toBeGreaterThanOrEqual(2);
    expect(image.deployArgs).toEqual([app, "/out"]);
    expect(readRepoFile("infra/docker/deploy.sh")).toContain("deploy --prod");
    expect(image.user).toBe("node");
    expect(image.cmd).toEqual(["node", entry]);
    expect(bundles(app)).toContain(entry);
    expect(image.healthcheck.join(" ")).toContain("/livez");
  });

  it("run the Node line the repository names in .node-version", () => {
    const line = readRepoFile(".node-version").trim();
    for (const image of [api, issuer]) expect(image.from).toMatch(new RegExp(`^node:${line}-`));
  });

  it("expose the ports the apps listen on", () => {
    const apiConfig = parseApiConfig({ ...api.env, ...OPERATOR_SECRETS, JWT_AUDIENCE: "dibs" });
    expect(apiConfig.ok && [apiConfig.config.PORT]).toEqual(api.expose);
    expect(parseIssuerConfig(issuer.env)).toMatchObject({ ok: true, config: { ISSUER_PORT: issuer.expose[0] } });
  });
});

describe("the Kubernetes manifests (kustomize)", () => {
  const { kustomization, manifests } = kustomizeResources(K8S);
  const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  const named = (kind: string, name: string) => {
    const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in ${K8S}`);
    return found;
  };
  const configMap = named("ConfigMap", "dibs-config").data!;
  const secret = named("Secret", "dibs-secrets").stringData!;

  /** The environment a container gets: its envFrom sources, then its env; the Secret as the operator filled it in. */
  function environment(container: any, fill: (secret: Record<string, string>) => Record<string, string> = operatorsSecret): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, named("ConfigMap", from.configMapRef.name).data);
      if (from.secretRef) Object.assign(env, fill(named("Secret", from.secretRef.name).stringData!));
    }
    for (const { name, value } of container.env ?? []) env[name] = value;
    return env;
  }

  function operatorsSecret(shipped: Record<string, string>): Record<string, string> {
    const filled: Record<string, string> = {
      ...shipped,
      JWT_SECRET: OPERATOR_SECRETS.JWT_SECRET,
      REQUEST_ID_SECRET: OPERATOR_SECRETS.REQUEST_ID_SECRET,
      LOTTERY_SECRET_KEY: OPERATOR_SECRETS.LOTTERY_SECRET_KEY,
    };
    if (shipped.DATABASE_URL) filled.DATABASE_URL = shipped.DATABASE_URL.replace(/:[^:@/]+@/, `:${OPERATOR_SECRETS.POSTGRES_PASSWORD}@`);
    return filled;
  }

  it("ships a Secret of placeholders that both apps refuse to start with", () => {
    const asShipped = (secret: Record<string, string>) => secret;
    const apiParsed = parseApiConfig(environment(podsOf("dibs-api").container, asShipped));
    expect(apiParsed.ok ? [] : apiParsed.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Invalid JWT_SECRET: looks like a placeholder/),
        expect.stringMatching(/^Invalid DATABASE_URL: looks like a placeholder/),
      ]),
    );
    const issuerParsed = parseIssuerConfig(environment(podsOf("dibs-issuer").container, asShipped));
    expect(issuerParsed.ok ? [] : issuerParsed.errors).toEqual([expect.stringMatching(/^DATABASE_URL: looks like a placeholder/)]);
  });

  function podsOf(name: string): { labels: Record<string, string>; container: any; spec: any } {
    const deployment = named("Deployment", name);
    const spec = deployment.spec.template.spec;
    return { labels: deployment.spec.template.metadata.labels, container: spec.containers[0], spec };
  }

  it("lists every manifest in the folder, each parsed, each name once", () => {
    const files = readdirSync(`${repoRoot}${K8S}`).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    const ids = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(kustomization.namespace).toBe("dibs");
    const images = manifests.flatMap((m) => m.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image);
    expect(new Set(images)).toEqual(new Set(kustomization.images.map((i: { name: string }) => i.name)));
  });

  it("configures the API as its configuration schema reads it: port, probes, every variable known", () => {
    const { container, labels, spec } = podsOf("dibs-api");
    const env = environment(container);
    const parsed = parseApiConfig(env);
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    expect(container.image).toBe("dibs-api");
    expect(container.ports).toEqual([{ name: "http", containerPort: parsed.config.PORT }]);
    expect(api.expose).toEqual([parsed.config.PORT]);
    expectProbes(container, "http");
    for (const { name } of container.env) expect(API_VARIABLES.has(name) || LIBRARY_VARIABLES.has(name), name).toBe(true);
    expect(named("Deployment", "dibs-api").spec.selector.matchLabels).toEqual(labels);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(15 + 5);
  });

  it("configures the issuer as its configuration schema reads it: port, probes, group", () => {
    const { container, labels } = podsOf("dibs-issuer");
    const parsed = parseIssuerConfig(environment(container));
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    expect(container.image).toBe("dibs-issuer");
    expect(container.ports).toEqual([{ name: "health", containerPort: parsed.config.ISSUER_PORT }]);
    expect(issuer.expose).toEqual([parsed.config.ISSUER_PORT]);
    expectProbes(container, "health");
    expect(named("Deployment", "dibs-issuer").spec.selector.matchLabels).toEqual(labels);
    expect(named("Deployment", "dibs-issuer").spec.replicas).toBeUndefined();
  });

  it("names in the ConfigMap and the Secret only variables an app reads", () => {
    for (const name of [...Object.keys(configMap), ...Object.keys(secret)]) {
      expect(API_VARIABLES.has(name) || ISSUER_VARIABLES.has(name) || LIBRARY_VARIABLES.has(name), name).toBe(true);
    }
  });

  it("names in its commented examples (the transports' settings) only variables an app reads", () => {
    const commented = ["configmap.yaml", "secret.yaml"].flatMap((file) => commentedVariables(`${K8S}/${file}`));
    expect(commented).toContain("KAFKA_SASL_PASSWORD");
    for (const name of commented) expect(API_VARIABLES.has(name) && ISSUER_VARIABLES.has(name), name).toBe(true);
  });

  it("scales the issuers with KEDA on the consumer group's lag, up to one per partition", () => {
    const scaled = named("ScaledObject", "dibs-issuer");
    expect(scaled.apiVersion).toBe("keda.sh/v1alpha1");
    expect(scaled.spec.scaleTargetRef.name).toBe("dibs-issuer");
    expect(scaled.spec.maxReplicaCount).toBe(PARTITIONS);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe("kafka");
    expect(trigger.metadata).toMatchObject({
      topic: ISSUE_REQUEST_TOPIC,
      consumerGroup: configMap.ISSUER_GROUP_ID,
      bootstrapServers: configMap.KAFKA_BROKERS,
    });
  });

  it("puts the API behind a Service, an HPA and a PDB that all find its pods", () => {
    const { labels } = podsOf("dibs-api");
    const service = named("Service", "dibs-api");
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe("http");
    expect(named("HorizontalPodAutoscaler", "dibs-api").spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "dibs-api" });
    expect(named("PodDisruptionBudget", "dibs-api").spec.selector.matchLabels).toEqual(labels);
    expect(named("PodDisruptionBudget", "dibs-issuer").spec.selector.matchLabels).toEqual(podsOf("dibs-issuer").labels);
  });

  it("migrates with a Job that runs the issuer image's setup, configured like the issuer", () => {
    const job = named("Job", "dibs-migrate");
    const [container] = job.spec.template.spec.containers;
    expect(container.image).toBe("dibs-issuer");
    expect(container.command).toEqual(SETUP_COMMAND);
    expect(bundles("issuer")).toContain(SETUP_COMMAND.at(-1));
    expect(parseIssuerConfig(environment(container)).ok).toBe(true);
  });

  it("gives every container requests and limits, and runs every pod as non-root", () => {
    for (const manifest of manifests.filter((m: Manifest) => m.spec?.template?.spec)) {
      const pod = manifest.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot, manifest.metadata.name).toBe(true);
      for (const container of pod.containers) {
        for (const kind of ["requests", "limits"])
          expect(Object.keys(container.resources[kind]).sort(), `${manifest.metadata.name} ${kind}`).toEqual(["cpu", "memory"]);
      }
    }
    expect(byKind("Deployment")).toHaveLength(2);
  });
});

/** The keys of commented-out `NAME: value` lines: examples an operator uncomments. */
function commentedVariables(path: string): string[] {
  return [...readRepoFile(path).matchAll(/^\s*#\s*([A-Z][A-Z0-9_]*):\s/gm)].map((m) => m[1]!);
}

function expectProbes(container: any, port: string): void {
  expect(container.ports.map((p: { name: string }) => p.name)).toContain(port);
  expect(container.livenessProbe.httpGet).toEqual({ path: "/livez", port });
  expect(container.startupProbe.httpGet).toEqual({ path: "/livez", port });
  expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port });
}

describe("infra/docker-compose.yml", () => {
  const [compose] = parseYaml("infra/docker-compose.yml") as any[];
  const services = compose.services as Record<string, any>;
  /** Compose's ${NAME:-default} as when nothing is set, and ${NAME:?error} as the operator must set it. */
  const interpolated = (env: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(env).map(([k, v]) => [
        k,
        String(v)
          .replace(/\$\{\w+:-([^}]*)\}/g, "$1")
          .replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: keyof typeof OPERATOR_SECRETS) => OPERATOR_SECRETS[name]),
      ]),
    );

  it("has no default for a secret: the operator must set each", () => {
    const text = readRepoFile("infra/docker-compose.yml");
    for (const name of Object.keys(OPERATOR_SECRETS)) {
      expect(text, name).toContain(`\${${name}:?`);
      expect(text, name).not.toContain(`\${${name}:-`);
    }
  });

  // Their shared settings, replication among them, as the local cluster's: broker-settings.test.ts.
  it("runs three KRaft brokers of the official image, each with its own id and address", () => {
    const brokers = Object.keys(services).filter((name) => name.startsWith("kafka-"));
    expect(brokers).toEqual(["kafka-1", "kafka-2", "kafka-3"]);
    for (const [index, name] of brokers.entries()) {
      const service = services[name];
      expect(service.image).toMatch(/^apache\/kafka:4\./);
      expect(service.environment).toMatchObject({
        KAFKA_NODE_ID: String(index + 1),
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${name}:9092`,
        KAFKA_CONTROLLER_QUORUM_VOTERS: brokers.map((b, i) => `${i + 1}@${b}:9093`).join(","),
      });
      expect(service.healthcheck).toBeDefined();
    }
  });

  it("starts two APIs and two issuers configured as their schemas read them, after the one-shot setup", () => {
    for (const name of ["api-1", "api-2"]) {
      const parsed = parseApiConfig(interpolated(services[name].environment));
      if (!parsed.ok) throw new Error(`${name}: ${parsed.errors.join("; ")}`);
      expect(parsed.config.KAFKA_BROKERS).toEqual(["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"]);
      expect(services[name].build.dockerfile).toBe("infra/docker/api.Dockerfile");
      expect(services[name].depends_on.setup.condition).toBe("service_completed_successfully");
    }
    for (const name of ["issuer-1", "issuer-2"]) {
      expect(parseIssuerConfig(interpolated(services[name].environment)).ok, name).toBe(true);
      expect(services[name].build.dockerfile).toBe("infra/docker/issuer.Dockerfile");
    }
    expect(services.setup.command).toEqual(SETUP_COMMAND);
    for (const dependency of ["postgres", "redis", "kafka-1", "kafka-2", "kafka-3"]) {
      expect(services.setup.depends_on[dependency].condition).toBe("service_healthy");
    }
  });

  it("names in its commented examples (the transports' settings) only variables both apps read", () => {
    const commented = commentedVariables("infra/docker-compose.yml");
    expect(commented).toContain("KAFKA_SASL_MECHANISM");
    for (const name of commented) expect(API_VARIABLES.has(name) && ISSUER_VARIABLES.has(name), name).toBe(true);
  });

  it("balances over both APIs on the port they listen on", () => {
    const nginx = readRepoFile("infra/docker/nginx.conf");
    const port = parseApiConfig({ ...interpolated(services["api-1"].environment) });
    const upstreams = [...nginx.matchAll(/^\s*server (\S+) /gm)].map((m) => m[1]);
    expect(port.ok && upstreams).toEqual([`api-1:${port.ok && port.config.PORT}`, `api-2:${port.ok && port.config.PORT}`]);
    expect(services.lb.volumes[0]).toContain("./docker/nginx.conf");
  });
});

describe("turbo.json", () => {
  it("passes every variable the apps read to their tasks (turbo drops the others: pnpm dev would not see them)", () => {
    const passed = new Set((JSON.parse(readRepoFile("turbo.json")) as { globalPassThroughEnv: string[] }).globalPassThroughEnv);
    expect([...API_VARIABLES, ...ISSUER_VARIABLES].filter((name) => !passed.has(name))).toEqual([]);
  });
});
