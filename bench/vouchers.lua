-- wrk script for the voucher benchmark.
--   claim:  a random one of the residents claims from the campaign, each
--           request with its own Idempotency-Key; args: claim TOKENS_FILE CAMPAIGN_ID
--   redeem: merchant staff redeem the next code of the file at one shop;
--           args: redeem TOKEN CODES_FILE SHOP_ID
-- Prints one JSON line: throughput, latency and the answers by kind.
local scenario, campaign, shop, merchant_token
local tokens, codes = {}, {}
local counter = 0
-- Globals, so done() can read them from each thread.
created, ok, sold_out, limit_reached, other = 0, 0, 0, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  scenario = args[1]
  if scenario == "claim" then
    for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
    campaign = args[3]
  else
    merchant_token = args[2]
    for line in io.lines(args[3]) do codes[#codes + 1] = line end
    shop = args[4]
  end
  math.randomseed(os.time() + math.random(1e6))
end

function request()
  counter = counter + 1
  local key = string.format("bench-%d-%d-%d", os.time(), math.random(1e9), counter)
  if scenario == "claim" then
    local headers = {
      ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
      ["Idempotency-Key"] = key,
    }
    return wrk.format("POST", "/api/v1/voucher-campaigns/" .. campaign .. "/claims", headers, "")
  end
  local code = codes[((counter - 1) % #codes) + 1]
  -- One voucher per payment: each redemption is its own till order.
  local body = string.format('{"code":"%s","shop_id":"%s","order_amount_fen":12800,"order_no":"%s"}', code, shop, key)
  local headers = {
    ["Authorization"] = "Bearer " .. merchant_token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }
  return wrk.format("POST", "/api/v1/merchant/redemptions", headers, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    ok = ok + 1
  elseif status == 409 and string.find(body, '"sold_out"', 1, true) then
    sold_out = sold_out + 1
  elseif status == 409 and string.find(body, '"limit_reached"', 1, true) then
    limit_reached = limit_reached + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = { created = 0, ok = 0, sold_out = 0, limit_reached = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.0f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "created": %d, "ok": %d, "sold_out": %d, "limit_reached": %d, "other": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    t.created, t.ok, t.sold_out, t.limit_reached, t.other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
