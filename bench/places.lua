-- wrk script for the places benchmark: every request asks from a random point
-- of central Chongqing (GCJ-02), inside the square the synthetic seed fills.
-- Usage: wrk ... -s bench/places.lua URL -- <scenario> <half_lat> <half_lng>
local scenario, half_lat, half_lng
local center_lat, center_lng = 29.5546, 106.5707
local categories = { "convenience_store", "pharmacy", "hotpot", "coffee_tea", "supermarket", "breakfast" }

function init(args)
  scenario = args[1] or "nearby"
  half_lat = tonumber(args[2] or "0.1")
  half_lng = tonumber(args[3] or "0.1")
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  -- Stay a walk away from the square's edge so every query sees full density.
  local lat = center_lat + (math.random() * 2 - 1) * half_lat * 0.9
  local lng = center_lng + (math.random() * 2 - 1) * half_lng * 0.9
  local path
  if scenario == "nearby" then
    path = string.format("/api/v1/shops/nearby?lat=%.6f&lng=%.6f&walk_minutes=15&limit=20", lat, lng)
  elseif scenario == "filtered" then
    local c = categories[math.random(#categories)]
    path = string.format("/api/v1/shops/nearby?lat=%.6f&lng=%.6f&walk_minutes=15&limit=20&category=%s&open_now=true", lat, lng, c)
  else
    path = string.format("/api/v1/circle/report?lat=%.6f&lng=%.6f&walk_minutes=15", lat, lng)
  end
  return wrk.format("GET", path)
end

local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.0f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
