-- wrk against bench/LiveVote.Baseline with the same request as vote.lua (path shape, headers, JSON body):
--   wrk -t2 -c64 -d10s -s bench/wrk/baseline.lua http://127.0.0.1:PORT -- [TOKENS_FILE]
-- The baseline checks no token; the first line of TOKENS_FILE (when given) is sent so the request has the same bytes.
-- The baseline answers 202; statuses are counted and written as JSON to $WRK_REPORT (see common.lua).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

local token, bodies, path
statuses, sent, answered, exhausted = {}, 0, 0, 0

function init(args)
   token = string.rep("x", 120)
   if args[1] then
      for line in io.lines(args[1]) do token = line; break end
   end
   bodies = common.bodies(4)
   path = "/v1/polls/baseline/votes"
end

function request()
   sent = sent + 1
   return common.request(path, token, bodies[sent % #bodies + 1])
end

function response(status)
   answered = answered + 1
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency)
   common.done("baseline", summary, latency)
end
