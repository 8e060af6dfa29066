// For the tests of other packages that start a TLS server of their own.
export * from "./certificates.ts";
export * from "./free-port.ts";
