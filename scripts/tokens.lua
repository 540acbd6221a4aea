-- wrk script: each request carries the next token of TOKENS_FILE (one token a line), so the
-- server sees a working set of distinct valid tokens in turn, as many clients would send them.
--   TOKENS_FILE=tokens.txt wrk -s scripts/tokens.lua http://127.0.0.1:8000/api/v1/ping
-- The requests are formatted once per thread, in init: wrk shares the two cores with the
-- server, and formatting each request in Lua would measure wrk rather than the server.
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do
    if #line > 0 then tokens[#tokens + 1] = line end
end
assert(#tokens > 0, "TOKENS_FILE holds no token")
local requests = {}
local i = 0

function setup(thread)
    -- Threads start at different places in the list.
    thread:set("start", math.random(#tokens))
end

function init(args)
    i = tonumber(start or 0) or 0
    for k, t in ipairs(tokens) do
        requests[k] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. t })
    end
end

function request()
    i = i + 1
    return requests[(i % #requests) + 1]
end
