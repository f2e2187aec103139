// TNET_DEBUG=1: an internal error also shows its stack trace, on the terminal and in watch's log.

export const DEBUG = process.env.TNET_DEBUG === '1';
