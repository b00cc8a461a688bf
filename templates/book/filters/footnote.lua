-- Footnotes for print: each note becomes an inline span at its call, which the
-- print CSS floats to the foot of the page (float: footnote).
function Note(note)
  return pandoc.Span(pandoc.utils.blocks_to_inlines(note.content, {pandoc.Space()}),
                     {class = "footnote"})
end
