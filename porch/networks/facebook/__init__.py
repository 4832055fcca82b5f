"""Facebook Pages through the Graph API, with httpx.

graph.py    requests with the Page token, usage headers, log redaction
errors.py   Graph's error replies mapped to one NetworkError
auth.py     checking a Page access token
cursor.py   the fetch cursor: a time watermark and recently seen ids, per stream
client.py   FacebookClient: comments, tags and messages in; posts, replies, metrics out
"""
