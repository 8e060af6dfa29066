export * from "./problems.ts";
export * from "./tls-files.ts";
