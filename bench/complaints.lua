-- wrk script for the complaints benchmark.
--   file:  residents file complaints (one durable transaction each), every
--          request with its own Idempotency-Key; args: file TOKENS_FILE
--   queue: a handler reads the triage queue with varying filters; args: queue TOKEN
local scenario
local tokens = {}
local counter = 0
local queue_paths = {
  "/api/v1/handler/complaints?limit=20",
  "/api/v1/handler/complaints?limit=20&status=submitted",
  "/api/v1/handler/complaints?limit=20&overdue=true",
  "/api/v1/handler/complaints?limit=20&district_code=500106",
  "/api/v1/handler/complaints?limit=20&status=accepted,merchant_window",
}

function init(args)
  scenario = args[1]
  if scenario == "file" then
    for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
  else
    tokens[1] = args[2]
  end
  math.randomseed(os.time())
end

function request()
  counter = counter + 1
  local token = tokens[math.random(#tokens)]
  if scenario == "file" then
    local body = string.format([[{"merchant_id":"01936d4a-0000-7000-8000-000000000001","category_code":"service","title":"基准测试投诉 %d-%d","facts":"基准测试：结账时被多收费用，店员拒绝退还。","demand":"退还多收费用","amount_fen":3800,"occurred_on":"2026-11-20","contact_name":"测试用户","contact_phone":"13912345678","contact_address":"重庆市渝中区民族路 88 号","publish_consent":false}]], os.time(), counter)
    local headers = {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("bench-%d-%d-%d", os.time(), math.random(1e9), counter),
    }
    return wrk.format("POST", "/api/v1/complaints", headers, body)
  end
  local headers = { ["Authorization"] = "Bearer " .. token }
  return wrk.format("GET", queue_paths[math.random(#queue_paths)], headers)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.0f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
