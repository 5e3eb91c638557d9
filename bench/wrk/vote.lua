-- wrk against the real vote path, each request a first vote with a FRESH viewer token:
--   wrk -t2 -c64 -d10s -s bench/wrk/vote.lua http://127.0.0.1:PORT -- TOKENS_FILE POLL_ID THREADS [OPTIONS]
-- TOKENS_FILE: one pre-registered viewer token a line (`livevote loadgen --export-tokens FILE --viewers N`).
-- Thread i of n takes lines i+1, i+1+n, i+1+2n, ...: disjoint sets, so no token is ever sent twice (a reused token
-- answers 200, not 201, and would flatter the figure). A thread that runs out stops (wrk.thread:stop()), counts the
-- requests it could not make as "exhausted" and sends GET /healthz for them, never a vote.
-- Statuses are counted in response(); done() writes the sums as JSON to $WRK_REPORT (see common.lua).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

local tokens, next_token, bodies, path, healthz
statuses, sent, answered, exhausted = {}, 0, 0, 0

function init(args)
   -- THREADS: wrk's -t, so each thread knows its share of the tokens (setup() runs before later threads exist).
   local file, poll, stride, options = args[1], args[2], tonumber(args[3] or ""), tonumber(args[4] or "4")
   assert(file and poll and stride and stride >= 1, "usage: -- TOKENS_FILE POLL_ID THREADS [OPTIONS]")
   local index = thread_index or 0
   assert(index < stride, "THREADS is less than wrk's -t: two threads would share tokens")
   tokens, next_token = {}, 1
   local line = 0
   for token in io.lines(file) do
      if line % stride == index and token ~= "" then tokens[#tokens + 1] = token end
      line = line + 1
   end
   bodies = common.bodies(options)
   path = "/v1/polls/" .. poll .. "/votes"
   healthz = wrk.format("GET", "/healthz")
end

function request()
   local token = tokens[next_token]
   if token == nil then
      exhausted = exhausted + 1
      if exhausted == 1 then wrk.thread:stop() end
      return healthz
   end
   next_token = next_token + 1
   sent = sent + 1
   return common.request(path, token, bodies[sent % #bodies + 1])
end

function response(status)
   -- After exhaustion a 200 may be a /healthz answer; before it, every answer is a vote's.
   if exhausted > 0 and status == 200 then return end
   answered = answered + 1
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency)
   common.done("vote", summary, latency)
end
