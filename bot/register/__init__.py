"""The SEN register from the school's MIS: CSV and Wonde imports, teaching groups, census codes, provision."""
