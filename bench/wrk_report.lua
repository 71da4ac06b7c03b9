-- wrk script: report req/s, latency percentiles and errors as one JSON line ("BENCHJSON {...}").
-- With BENCH_VOTES=<file> (lines "token note_id"), each request is a vote PUT to
-- BENCH_VOTE_PATH (default /api/v1/notes/%s/vote) with a value cycling 1, -1, 0 per line.

local votes = nil
local cursor = 0
local counter = 0
local vote_path = os.getenv("BENCH_VOTE_PATH") or "/api/v1/notes/%s/vote"
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  local file = os.getenv("BENCH_VOTES")
  if file then
    votes = {}
    for line in io.lines(file) do
      local token, note = line:match("^(%S+)%s+(%S+)$")
      if token then votes[#votes + 1] = {token, note, 0} end
    end
    -- Each wrk thread starts at another place so threads rarely share a (user, note) pair.
    cursor = ((tid or 0) * 7919) % #votes
  end
end

local values = {1, -1, 0}

function request()
  if not votes then
    return wrk.format(nil)
  end
  cursor = cursor % #votes + 1
  local entry = votes[cursor]
  entry[3] = entry[3] % 3 + 1
  local headers = {["Authorization"] = "Bearer " .. entry[1], ["Content-Type"] = "application/json"}
  return wrk.format("PUT", string.format(vote_path, entry[2]), headers, '{"value":' .. values[entry[3]] .. '}')
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.2f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
