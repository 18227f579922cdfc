-- wrk script: each request POSTs `BATCH` new events (distinct ids) to
-- /v1/events with the bearer token `TOKEN`; at the end one RESULT line of
-- JSON for run.sh: requests, socket errors, non-2xx answers, seconds,
-- latency p50 and p99 in milliseconds.
local batch = tonumber(os.getenv("BATCH") or "1")
local token = os.getenv("TOKEN")
local run = os.getenv("RUN") or "r"
local threads = 0
local counter = 0
local prefix

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = run .. "-" .. tostring(tid)
end

local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/x-ndjson" }

function request()
  local lines = {}
  for i = 1, batch do
    counter = counter + 1
    lines[i] = string.format(
      '{"id":"%s-%d","account_id":"acc%d","type":"ping","at":"2026-11-20T10:00:00Z","data":{"n":%d}}',
      prefix, counter, counter % 1000, counter)
  end
  return wrk.format("POST", "/v1/events", headers, table.concat(lines, "\n") .. "\n")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"socket_errors":%d,"non2xx":%d,"seconds":%.3f,"p50_ms":%.3f,"p99_ms":%.3f}\n',
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
