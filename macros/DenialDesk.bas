Attribute VB_Name = "DenialDeskRibbon"
' DenialDesk ribbon callbacks (the onAction names in customUI14.xml).
' Each button runs one function of addin/excel.py through xlwings' RunPython; no logic here.
' Reviewed source: `denialdesk addin build` imports this file into DenialDesk.xlam.
Option Explicit

Sub ImportRemittances(control As IRibbonControl)
    RunPython "import addin.excel as x; x.import_remittances()"
End Sub

Sub ClassifyAndPrioritize(control As IRibbonControl)
    RunPython "import addin.excel as x; x.classify_and_prioritize()"
End Sub

Sub ExplainSelection(control As IRibbonControl)
    RunPython "import addin.excel as x; x.explain_selection()"
End Sub

Sub GenerateLetters(control As IRibbonControl)
    RunPython "import addin.excel as x; x.generate_letters()"
End Sub

Sub RefreshKpis(control As IRibbonControl)
    RunPython "import addin.excel as x; x.refresh_kpis()"
End Sub

Sub CheckClaims(control As IRibbonControl)
    RunPython "import addin.excel as x; x.check_claims()"
End Sub

Sub RunAll(control As IRibbonControl)
    RunPython "import addin.excel as x; x.run_all()"
End Sub
