/** Errors the cache room raises on purpose. */
import { defineError } from '../errors/index'

export const QK_CACHE_BAD_KEY = defineError(
  'QK_CACHE_BAD_KEY', 500,
  'Cache keys are non-empty strings, got %s',
  'cache.ram/disk/redis(key, fn, timeExpire) was called with a key that is not a non-empty string.')

export const QK_CACHE_BAD_EXPIRE = defineError(
  'QK_CACHE_BAD_EXPIRE', 500,
  'timeExpire must be a number of seconds (>= 0) or null for never, got %s',
  'The third argument of cache.ram/disk/redis, or cache.action({ timeExpire }).')

export const QK_CACHE_NOT_STORABLE = defineError(
  'QK_CACHE_NOT_STORABLE', 500,
  'cache.%s cannot store this value (%s): store strings, numbers, plain objects, arrays, Dates, Buffers',
  'cache.disk and cache.redis serialise values (v8 structured clone); functions and class instances such as HTML helpers cannot be stored.')

export const QK_CACHE_REDIS = defineError(
  'QK_CACHE_REDIS', 503,
  'cache.redis: %s',
  'The Redis server for cache.redis could not be reached or answered with an error.')
