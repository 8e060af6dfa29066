import pino, { type Logger } from "pino";

/** JSON logs; pretty only when a person is watching the terminal. */
export function createLogger(level: string, name: string): Logger {
  const pretty = process.stdout.isTTY ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {};
  return pino({ level, name, ...pretty });
}
