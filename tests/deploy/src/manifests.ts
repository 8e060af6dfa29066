import { parseAllDocuments } from "yaml";
import { readRepoFile } from "./repo.ts";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  file: string;
}

export function parseYaml(path: string): unknown[] {
  // merge: compose files share settings through YAML merge keys (<<).
  return parseAllDocuments(readRepoFile(path), { merge: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((e) => e.message).join("; ")}`);
    return document.toJS();
  });
}

/** Every manifest the kustomization lists, in order. */
export function kustomizeResources(dir: string): { kustomization: any; manifests: Manifest[] } {
  const [kustomization] = parseYaml(`${dir}/kustomization.yaml`) as any[];
  const manifests = (kustomization.resources as string[]).flatMap((file) =>
    (parseYaml(`${dir}/${file}`) as Manifest[]).map((manifest) => ({ ...manifest, file })),
  );
  return { kustomization, manifests };
}
