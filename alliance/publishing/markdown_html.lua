-- Alliance: turn chapter Markdown into an HTML fragment for the web pages, for as long as
-- the calling process lives. Each request on stdin is "<byte count>\n<Markdown>"; each
-- answer on stdout is "ok <byte count>\n<HTML>" or "error <byte count>\n<message>".
-- Markdown is read in the format given as the first argument (the platform's, with raw
-- HTML, raw attributes and raw TeX off), in a sandbox that holds no files (the fourth
-- argument of pandoc.read), as `pandoc --sandbox` would.
local FORMAT = assert(arg[1], "usage: pandoc lua markdown_html.lua FORMAT")

-- The pandoc command applies east_asian_line_breaks after reading, not pandoc.read:
-- drop a line break between two East Asian wide characters (as pandoc does, by their
-- width in a monospace font), so "第一句。\n第二句。" gets no space.
local EAST_ASIAN = FORMAT:find("+east_asian_line_breaks", 1, true) ~= nil
local stringify, width = pandoc.utils.stringify, pandoc.layout.real_length

local function wide(text, at_end)
  if text == "" then return false end
  local char = at_end and text:sub(utf8.offset(text, -1)) or text:sub(1, utf8.offset(text, 2) - 1)
  return width(char) == 2
end

local function join_wide(inlines)
  local out = pandoc.Inlines{}
  for i, el in ipairs(inlines) do
    if not (el.t == "SoftBreak" and i > 1 and i < #inlines
            and wide(stringify(inlines[i - 1]), true) and wide(stringify(inlines[i + 1]), false)) then
      out:insert(el)
    end
  end
  return out
end

local function convert(text)
  local doc = pandoc.read(text, FORMAT, nil, {})
  if EAST_ASIAN then doc = doc:walk{Inlines = join_wide} end
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
