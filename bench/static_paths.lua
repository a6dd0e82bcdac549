-- wrk script: cycles GETs through the frame files listed in frames.txt (served by nginx).
local paths = {}
for line in io.lines(os.getenv("FRAME_LIST")) do paths[#paths + 1] = "/" .. line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
