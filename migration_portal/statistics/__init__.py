"""National statistics the ministry can publish: tables, charts and downloads built from the
individual records of the register (deployments, returns, complaints, remittances), and the
per-year workbook in the shape of the ILO International Labour Migration Statistics tables.

Not an installed app: it has no models. ``tables`` holds the aggregate queries, ``pages``
wires them to the filters, ``exports`` writes any table as CSV or XLSX, ``views`` and
``urls`` are the portal pages (templates in ``templates/statistics/``).
"""
