export * from "./secrets.ts";
