// The console's globals, for the type check (never served).
export {};

declare global {
  interface Window {
    /** console-labels.js, for the console's classic scripts. */
    ConsoleLabels: object;
  }
}
