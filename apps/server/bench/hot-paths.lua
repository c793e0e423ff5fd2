-- wrk's per-request script for hot-paths.bench.ts (one wrk thread, so one Lua state and one
-- counter per run). Static headers come from wrk's -H; what varies per request is made here.
--
-- Arguments (after wrk's `--`):
--   1 paths      comma-separated; request n goes to paths[n % #paths]
--   2 keys       comma-separated pixel keys; request n sends keys[n % #keys]; "-": a GET, no body
--   3 visitors   "new": visitor offset+n at address offset+n, a visitor and an address never
--                sent before; "repeat:R": visitor n % R at address n % R (already identified)
--   4 offset     the first index of this run ("new" only)
--   5 page       the page URL the event names
--
-- Address i is 10.a.b.h with a.b = i % 65536 (the /24) and h = 1 + floor(i / 65536): a run walks
-- every /24 before it reuses one, so no network gathers enough new identifications in an hour to
-- trip the per-network anomaly guard. identity-dataset.ts names one company per such address.

local paths, keys, visitors, repeats, offset, page = {}, {}, "none", 1, 0, ""

local function split(text)
  local items = {}
  for item in string.gmatch(text, "[^,]+") do
    items[#items + 1] = item
  end
  return items
end

local function address(i)
  local network = i % 65536
  return string.format("10.%d.%d.%d", math.floor(network / 256), network % 256,
    1 + math.floor(i / 65536))
end

function init(args)
  paths = split(args[1])
  if args[2] ~= "-" then
    keys = split(args[2])
  end
  local count = string.match(args[3], "^repeat:(%d+)$")
  if count then
    visitors, repeats = "repeat", tonumber(count)
  else
    visitors = args[3]
  end
  offset = tonumber(args[4])
  page = args[5]
  sent = 0
end

function request()
  local n = sent
  sent = sent + 1
  local path = paths[n % #paths + 1]
  if #keys == 0 then
    return wrk.format(nil, path)
  end
  local i = visitors == "new" and offset + n or n % repeats
  -- At least 8 characters, as the pixel's ids are (the event schema refuses shorter ones).
  local visitor = (visitors == "new" and "visitor-new-" or "visitor-repeat-") .. i
  wrk.headers["X-Forwarded-For"] = address(i)
  local body = '{"k":"' .. keys[n % #keys + 1] .. '","v":"' .. visitor ..
    '","e":"pageview","u":"' .. page .. '"}'
  return wrk.format("POST", path, nil, body)
end

-- The main state's done() reads each thread's counter: how many requests this run sent,
-- answered or not, so the next run of a "new" case starts past every index this one used.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done()
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("sent")
  end
  io.write(string.format("hot-paths sent %d\n", total))
end
