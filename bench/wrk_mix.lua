-- wrk script: a realistic mix of signed-in users (make bench's "mix" section). BENCH_MIX=<file> of
-- lines "token note_id"; each request takes the next line's user and note and is, by a random
-- draw: 70 % a read (hot list page 1-3, the note, its comments), 20 % a vote (1, -1, 0 cycling),
-- 8 % a comment on the note, 2 % a new note. Reports like wrk_report.lua.

local lines = {}
local cursor = 0
local threads = {}
local values = {1, -1, 0}
local serial = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_MIX")) do
    local token, note = line:match("^(%S+)%s+(%S+)$")
    if token then lines[#lines + 1] = {token, note, 0} end
  end
  cursor = ((tid or 0) * 7919) % #lines
  math.randomseed(os.time() + (tid or 0))
end

function request()
  cursor = cursor % #lines + 1
  local entry = lines[cursor]
  local headers = {["Authorization"] = "Bearer " .. entry[1], ["Content-Type"] = "application/json"}
  local draw = math.random(100)
  serial = serial + 1
  if draw <= 70 then
    local which = math.random(4)
    if which <= 2 then
      return wrk.format("GET", "/api/v1/notes?order=hot&page=" .. math.random(3), headers)
    elseif which == 3 then
      return wrk.format("GET", "/api/v1/notes/" .. entry[2], headers)
    end
    return wrk.format("GET", "/api/v1/notes/" .. entry[2] .. "/comments", headers)
  elseif draw <= 90 then
    entry[3] = entry[3] % 3 + 1
    return wrk.format("PUT", "/api/v1/notes/" .. entry[2] .. "/vote", headers, '{"value":' .. values[entry[3]] .. '}')
  elseif draw <= 98 then
    return wrk.format("POST", "/api/v1/notes/" .. entry[2] .. "/comments", headers,
                      '{"content":"抱抱你，会好起来的 #' .. serial .. '"}')
  end
  return wrk.format("POST", "/api/v1/notes", headers,
                    '{"title":"今天的心情 ' .. serial .. '","content":"写下来就轻松了一点，谢谢树洞。","category":"emotion","anonymous":true}')
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
