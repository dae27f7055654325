/** Where the library reports what it cannot throw: warnings, skipped records. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: Logger = {
  info: (message) => console.info(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/** A log line as a worker thread posts it to the thread that started it. */
export interface PostedLogLine {
  type: 'log';
  level: keyof Logger;
  message: string;
}

/** A worker thread's logger: its lines go to `post`. */
export function postingLogger(post: (line: PostedLogLine) => void): Logger {
  return {
    info: (message) => post({ type: 'log', level: 'info', message }),
    warn: (message) => post({ type: 'log', level: 'warn', message }),
    error: (message) => post({ type: 'log', level: 'error', message }),
  };
}
