-- Shared by vote.lua and baseline.lua: per-thread status counts taken in response(), summed in done() and written as
-- one JSON object to $WRK_REPORT (and printed after "wrk-report: "), so bench/run.sh judges what wrk saw.
local M = {}

local threads = {}

function M.setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

-- The vote bodies, the same bytes bench/LiveVote.Baseline and the real server parse ({"optionId":"oN"}).
function M.bodies(options)
   local bodies = {}
   for o = 1, options do bodies[o] = '{"optionId":"o' .. o .. '"}' end
   return bodies
end

function M.request(path, token, body)
   local host = wrk.port and (wrk.host .. ":" .. wrk.port) or wrk.host
   return "POST " .. path .. " HTTP/1.1\r\nHost: " .. host .. "\r\nContent-Type: application/json\r\nAuthorization: Bearer " ..
      token .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

local function json_counts(counts)
   local keys = {}
   for k in pairs(counts) do keys[#keys + 1] = k end
   table.sort(keys)
   local parts = {}
   for _, k in ipairs(keys) do parts[#parts + 1] = string.format('"%s":%d', tostring(k), counts[k]) end
   return "{" .. table.concat(parts, ",") .. "}"
end

function M.done(script, summary, latency)
   local statuses, sent, answered, exhausted = {}, 0, 0, 0
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses") or {}) do statuses[status] = (statuses[status] or 0) + n end
      sent = sent + (thread:get("sent") or 0)
      answered = answered + (thread:get("answered") or 0)
      exhausted = exhausted + (thread:get("exhausted") or 0)
   end
   local seconds = summary.duration / 1e6
   local e = summary.errors
   local report = string.format(
      '{"script":"%s","threads":%d,"requests":%d,"durationSeconds":%.3f,"requestsPerSecond":%.1f,"statuses":%s,' ..
      '"sent":%d,"answered":%d,"exhausted":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latencyMs":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f}}',
      script, #threads, summary.requests, seconds, summary.requests / seconds, json_counts(statuses),
      sent, answered, exhausted, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000)
   io.write("wrk-report: " .. report .. "\n")
   local path = os.getenv("WRK_REPORT")
   if path and path ~= "" then
      local file = assert(io.open(path, "w"))
      file:write(report, "\n")
      file:close()
   end
end

return M
