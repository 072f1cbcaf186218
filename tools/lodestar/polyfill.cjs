// Preloaded with `node -r ./polyfill.cjs`: Node 20 lacks Promise.withResolvers (it came
// with Node 22), and a dependency of Lodestar 1.5.1 calls it. Defines it only when missing.
'use strict';

if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
