import { readRepoFile } from "./repo.ts";

/** What the final stage of a Dockerfile runs, read from the file so that tests run exactly that. */
export interface Image {
  stages: number;
  /** The final stage's base image. */
  from: string;
  /** The arguments of `infra/docker/deploy.sh` in the build stage. */
  deployArgs: string[];
  workdir: string;
  user: string | undefined;
  env: Record<string, string>;
  expose: number[];
  healthcheck: string[];
  cmd: string[];
}

export function readDockerfile(path: string): Image {
  const instructions = readRepoFile(path)
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
    });
  const stageStarts = instructions.flatMap((instruction, index) => (instruction.keyword === "FROM" ? [index] : []));
  const final = instructions.slice(stageStarts.at(-1));
  const last = (keyword: string) => final.filter((i) => i.keyword === keyword).at(-1)?.args;

  const deploy = instructions.find((i) => i.keyword === "RUN" && i.args.includes("infra/docker/deploy.sh"));
  const env: Record<string, string> = {};
  for (const i of final.filter((i) => i.keyword === "ENV")) {
    for (const pair of i.args.split(/\s+/)) {
      const [key, ...value] = pair.split("=");
      env[key!] = value.join("=");
    }
  }
  const healthcheck = last("HEALTHCHECK");
  return {
    stages: stageStarts.length,
    from: final[0]!.args.split(/\s+/)[0]!,
    deployArgs: deploy ? deploy.args.split(/\s+/).slice(deploy.args.split(/\s+/).indexOf("infra/docker/deploy.sh") + 1) : [],
    workdir: last("WORKDIR") ?? "/",
    user: last("USER"),
    env,
    expose: final.filter((i) => i.keyword === "EXPOSE").flatMap((i) => i.args.split(/\s+/).map(Number)),
    healthcheck: healthcheck ? JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD") + 3)) : [],
    cmd: JSON.parse(last("CMD") ?? "[]"),
  };
}
