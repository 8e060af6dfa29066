/**
 * `target` with some of its methods replaced, every other one still its own (bound to it): a port wrapped for a test
 * or a fault, however the port is implemented (a class keeps its methods on its prototype, out of an object spread's
 * reach).
 */
export function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, receiver);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}
