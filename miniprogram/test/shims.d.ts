// jsdom ships no types of its own; the harness uses only its constructor.
declare module 'jsdom';
