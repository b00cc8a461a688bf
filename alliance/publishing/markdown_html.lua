-- Alliance: turn chapter Markdown into an HTML fragment for the web pages, for as long as
-- the calling process lives. Each request on stdin is "<byte count>\n<Markdown>"; each
-- answer on stdout is "ok <byte count>\n<HTML>" or "error <byte count>\n<message>".
-- Markdown is read in the format given as the first argument (the platform's, with raw
-- HTML, raw attributes and raw TeX off), in a sandbox that holds no files (the fourth
-- argument of pandoc.read), as `pandoc --sandbox` would.
local FORMAT = assert(arg[1], "usage: pandoc lua markdown_html.lua FORMAT")

local function convert(text)
  local doc = pandoc.read(text, FORMAT, nil, {})
  return pandoc.write(doc, "html5", {wrap_text = "none"})
end

while true do
  local header = io.read("l")
  if not header then break end
  local size = tonumber(header)
  if not size then break end
  local text = size > 0 and io.read(size) or ""
  local ok, out = pcall(convert, text)
  if not ok then out = tostring(out) end
  io.write((ok and "ok " or "error ") .. #out .. "\n", out)
  io.flush()
end
