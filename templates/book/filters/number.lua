-- Number figures and tables per chapter: 图1-1, 表1-1 (any output format).
-- The chapter's number comes from the metadata field chapter-number (default 1).
-- A caption that already starts with a number (表1-1　...) is renumbered, so an
-- author's hand-typed number can never disagree with the real one.
local chapter = "1"
local counts = {["图"] = 0, ["表"] = 0}
local IDEOGRAPHIC_SPACE = "\227\128\128"

local function strip_number(inlines, word)
  local first = inlines[1]
  if not first or first.t ~= "Str" or first.text:sub(1, #word) ~= word then
    return inlines
  end
  local rest = first.text:sub(#word + 1)
  local number = rest:match("^%s*%d+[-%.%-]%d+")
  if not number then return inlines end
  rest = rest:sub(#number + 1)
  while rest:sub(1, 3) == IDEOGRAPHIC_SPACE do rest = rest:sub(4) end
  local out = pandoc.List(inlines)
  if rest == "" then
    out:remove(1)
    while out[1] and (out[1].t == "Space" or out[1].t == "SoftBreak") do out:remove(1) end
  else
    out[1] = pandoc.Str(rest)
  end
  return out
end

local function label(caption, word, prefix)
  counts[word] = counts[word] + 1
  local number = word .. chapter .. "-" .. counts[word]
  local long = caption.long
  local inlines = pandoc.List()
  if #long > 0 and long[1].content then inlines = long[1].content end
  inlines = strip_number(inlines, word)
  local head = pandoc.List({pandoc.Span({pandoc.Str(number)}, {class = "caption-label"})})
  if #inlines > 0 then head:insert(pandoc.Str(IDEOGRAPHIC_SPACE)) end
  head:extend(inlines)
  if #long > 0 and long[1].content then
    long[1].content = head
  else
    caption.long = pandoc.Blocks({pandoc.Plain(head)})
  end
  return caption, prefix .. "-" .. chapter .. "-" .. counts[word], head
end

function Meta(meta)
  if meta["chapter-number"] then chapter = pandoc.utils.stringify(meta["chapter-number"]) end
end

function Figure(fig)
  local id, head
  fig.caption, id, head = label(fig.caption, "图", "fig")
  -- The image's alt text repeats the caption: give it the real number too.
  fig.content = fig.content:walk({Image = function(img)
    img.caption = pandoc.Inlines({pandoc.Str(pandoc.utils.stringify(head))})
    return img
  end})
  if fig.identifier == "" then fig.identifier = id end
  return fig
end

function Table(tbl)
  local id
  tbl.caption, id = label(tbl.caption, "表", "tab")
  if tbl.identifier == "" then tbl.identifier = id end
  return tbl
end

-- Meta first, so the chapter number is known before any caption is numbered.
return {{Meta = Meta}, {Figure = Figure, Table = Table}}
