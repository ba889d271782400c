"""Datasette plugin: a writing canned query's form shows its title and description.

Datasette 0.65 renders the form of a writing canned query without the query's metadata: the
triage form was headed "veille: trier", showed its SQL and none of the instructions (which
states to type). This gives the form page the query's configuration back.
"""
from datasette import hookimpl


@hookimpl
def extra_template_vars(template, database, request, datasette):
    async def query_metadata():
        name = request.url_vars.get("table") if request else None
        if template != "query.html" or not (database and name):
            return {}
        query = await datasette.get_canned_query(database, name, request.actor)
        if not (query and query.get("write")):
            return {}
        return {"metadata": query, "hide_sql": query.get("hide_sql", False)}

    return query_metadata
