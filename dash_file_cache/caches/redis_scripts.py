"""The Lua scripts of :class:`~dash_file_cache.caches.redis.CacheRedis`.

Each runs atomically in Redis; see the layout of keys in :mod:`.redis`. They compute key
names from the prefix passed in ``ARGV[1]``, so Redis Cluster is not supported.
"""

from __future__ import annotations

__all__ = ("CLAIM", "CULL", "LOAD", "PIN", "PUBLISH", "RELEASE", "REMOVE")

READER_GRACE_MS = 3_600_000  # 1 hour: chunks kept for a reader that never closed
CULL_LIMIT = 1000  # most items dropped by one cull

# Shared by the scripts. KEYS: index, expiry, sizes, bytes, seq.
# ARGV[1] prefix, ARGV[2] now, ARGV[3] cache_size, ARGV[4] max_bytes ("" = none).
LIB = f"""
local P = ARGV[1]
local function retire(chunks)
  if not chunks then return end
  local readers = tonumber(redis.call('GET', chunks .. ':readers') or '0')
  if readers > 0 then
    redis.call('PEXPIRE', chunks, {READER_GRACE_MS})
  else
    redis.call('DEL', chunks)
  end
end
local function drop(uid, keep_chunks)
  local raw = redis.call('GET', P .. uid .. ':info')
  local chunks = nil
  if raw then chunks = cjson.decode(raw)['chunks'] end
  redis.call('DEL', P .. uid .. ':info')
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
  local size = redis.call('HGET', KEYS[3], uid)
  if size then
    redis.call('HDEL', KEYS[3], uid)
    redis.call('DECRBY', KEYS[4], size)
  end
  if not keep_chunks then retire(chunks) end
  return raw, chunks
end
local function cull()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, {CULL_LIMIT})
  for _, uid in ipairs(expired) do drop(uid) end
  local count_bound = tonumber(ARGV[3])
  local byte_bound = tonumber(ARGV[4])
  for _ = 1, {CULL_LIMIT} do
    local over = (count_bound and redis.call('ZCARD', KEYS[1]) > count_bound)
      or (byte_bound and tonumber(redis.call('GET', KEYS[4]) or '0') > byte_bound)
    if not over then return end
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)
    if #oldest == 0 then return end
    drop(oldest[1])
  end
end
"""

# ARGV[5] uid, ARGV[6] record json, ARGV[7] size, ARGV[8] expire-at ("" = never),
# ARGV[9] ttl ms ("" = never), ARGV[10] pending key, ARGV[11] chunks key ("" = none)
PUBLISH = (
    LIB
    + """
local uid = ARGV[5]
drop(uid)
local info = P .. uid .. ':info'
if ARGV[11] ~= '' and redis.call('EXISTS', ARGV[10]) == 1 then
  redis.call('RENAME', ARGV[10], ARGV[11])
  if ARGV[9] == '' then redis.call('PERSIST', ARGV[11])
  else redis.call('PEXPIRE', ARGV[11], ARGV[9]) end
end
redis.call('SET', info, ARGV[6])
if ARGV[9] ~= '' then
  redis.call('PEXPIRE', info, ARGV[9])
  redis.call('ZADD', KEYS[2], ARGV[8], uid)
end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[5]), uid)
redis.call('HSET', KEYS[3], uid, ARGV[7])
redis.call('INCRBY', KEYS[4], ARGV[7])
cull()
return 1
"""
)

# ARGV[5] uid
REMOVE = (
    LIB
    + """
local raw = drop(ARGV[5])
if raw then return 1 end
return 0
"""
)

CULL = (
    LIB
    + """
cull()
return redis.call('ZCARD', KEYS[1])
"""
)

# ARGV[5] uid, ARGV[6] claimed ttl ms: the record; the caller becomes a reader of its
# chunks, which the last reader deletes (the item is no longer current).
CLAIM = (
    LIB
    + """
local raw, chunks = drop(ARGV[5], true)
if not raw then return false end
if chunks then
  redis.call('INCR', chunks .. ':readers')
  redis.call('PEXPIRE', chunks .. ':readers', ARGV[6])
  if redis.call('EXISTS', chunks) == 1 then redis.call('PEXPIRE', chunks, ARGV[6]) end
end
return raw
"""
)

# KEYS: info, chunks ; ARGV: grace ms. Count a reader if the item is still this version.
PIN = """
local raw = redis.call('GET', KEYS[1])
if not raw or cjson.decode(raw)['chunks'] ~= KEYS[2] then return 0 end
local readers = KEYS[2] .. ':readers'
redis.call('INCR', readers)
redis.call('PEXPIRE', readers, ARGV[1])
local ttl = redis.call('PTTL', KEYS[2])
if ttl >= 0 and ttl < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return 1
"""

# KEYS: info ; ARGV: small size limit. The record, and the data of a small item with it.
LOAD = """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local record = cjson.decode(raw)
if record['chunks'] and tonumber(record['info']['size']) <= tonumber(ARGV[1]) then
  local data = redis.call('HGET', record['chunks'], '0')
  if data then return {raw, data} end
  if tonumber(record['info']['size']) == 0 then return {raw, ''} end
end
return {raw}
"""

# KEYS: info, chunks. The last reader of a version that is no longer current deletes it.
RELEASE = """
local readers = KEYS[2] .. ':readers'
local left = redis.call('DECR', readers)
if left > 0 then return left end
redis.call('DEL', readers)
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw)['chunks'] == KEYS[2] then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
else
  redis.call('DEL', KEYS[2])
end
return 0
"""
