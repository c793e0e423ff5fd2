import serverPackage from '../package.json' with { type: 'json' };

/** The released version, read from the server's package.json so it has one source. */
export const VERSION: string = serverPackage.version;
