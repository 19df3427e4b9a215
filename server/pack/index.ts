/**
 * pack/: apps as single .w2t files (gzipped tar) and their safe install.
 *
 *   packApp(appFolder, { databases?, uploads? }) → Buffer     leaves out sessions, errors, cache, .quark
 *   unpackApp(archive, appsFolder, appName, limits?) → { folder, files }   checked in memory first, then written
 *   readW2t(archive, limits?) → checked entries;  checkEntryName(name)
 *   writeTar / readTar / tarHeader                            the ustar format
 *   packCommand, unpackCommand                                `quark pack`, `quark unpack`
 */
export * from './errors'
export { packApp, unpackApp, readW2t, checkEntryName, type PackOptions, type UnpackLimits, type CheckedEntry } from './w2t'
export { writeTar, readTar, tarHeader, type TarEntry } from './tar'
export { packCommand, unpackCommand } from './cli'
