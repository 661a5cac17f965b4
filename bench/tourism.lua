-- wrk script for the tourism benchmark: route search with random filters,
-- route detail (stops plus the shops open near each), and the events
-- calendar for a random month around a random point of central Chongqing.
-- Usage: wrk ... -s bench/tourism.lua URL -- <routes|detail|events>
local scenario
local themes = { "family", "study", "summer", "red", "rural", "self_drive", "graduation", "night", "chuanyu" }
local districts = { "500103", "500106", "500108", "5001L1", "500156", "500111" }

function init(args)
  scenario = args[1] or "routes"
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  local path
  if scenario == "routes" then
    local r = math.random(4)
    if r == 1 then
      path = "/api/v1/tourism/routes?theme=" .. themes[math.random(#themes)]
    elseif r == 2 then
      path = "/api/v1/tourism/routes?theme=family&district_code=" .. districts[math.random(#districts)] .. "&max_days=2"
    elseif r == 3 then
      path = "/api/v1/tourism/routes?q=%E6%B4%AA%E5%B4%96%E6%B4%9E"
    else
      path = "/api/v1/tourism/routes?limit=20"
    end
  elseif scenario == "detail" then
    path = string.format("/api/v1/tourism/routes/01936d4a-0000-7000-8007-%012d", math.random(14))
  else
    local month = math.random(12)
    local last = ({ 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[month]
    local lat = 29.5546 + (math.random() * 2 - 1) * 0.05
    local lng = 106.5707 + (math.random() * 2 - 1) * 0.05
    path = string.format("/api/v1/events?from=2026-%02d-01&to=2026-%02d-%02d&lat=%.5f&lng=%.5f&radius_m=20000",
      month, month, last, lat, lng)
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.0f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
