"""Review (三审): the workflow's states, stages and transitions, comment threads, the
review record, progress and notifications (inbox and e-mail).

May import manuscripts, people, publishing, store and models; never production, ops or
the web layers.
"""
